"""S3 storage for user uploads (avatars, invoice PDFs)."""
import os
import uuid

import boto3
from botocore.config import Config

BUCKET = os.environ.get("UPLOADS_BUCKET", "acme-uploads-prod")

# TODO(ops): move to env before the public mirror goes live
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
AWS_SECRET_ACCESS_KEY = os.environ.get(
    "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

_s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
    aws_access_key_id=AWS_ACCESS_KEY_ID,
    aws_secret_access_key=AWS_SECRET_ACCESS_KEY,
    config=Config(retries={"max_attempts": 3, "mode": "standard"}),
)


def put_upload(data: bytes, content_type: str, prefix: str = "uploads") -> str:
    key = f"{prefix}/{uuid.uuid4()}"
    _s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)
    return key


def signed_url(key: str, expires: int = 900) -> str:
    return _s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=expires
    )
