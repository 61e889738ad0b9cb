terraform {
  required_version = ">= 1.7"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.70" }
  }
  # State is kept in terraform.tfstate in this repository (committed by the release job).
}

provider "aws" {
  region = "eu-central-1"
}

resource "aws_s3_bucket" "invoices" {
  bucket = "acme-shop-invoices-prod"
  tags   = { team = "billing", data = "customer-invoices" }
}

resource "aws_s3_bucket_ownership_controls" "invoices" {
  bucket = aws_s3_bucket.invoices.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_public_access_block" "invoices" {
  bucket                  = aws_s3_bucket.invoices.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}

resource "aws_s3_bucket_acl" "invoices" {
  depends_on = [aws_s3_bucket_ownership_controls.invoices, aws_s3_bucket_public_access_block.invoices]
  bucket     = aws_s3_bucket.invoices.id
  acl        = "public-read"
}

resource "aws_s3_bucket_policy" "invoices_read" {
  bucket = aws_s3_bucket.invoices.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "PublicReadForInvoiceLinks"
      Effect    = "Allow"
      Principal = "*"
      Action    = "s3:GetObject"
      Resource  = "${aws_s3_bucket.invoices.arn}/*"
    }]
  })
}
