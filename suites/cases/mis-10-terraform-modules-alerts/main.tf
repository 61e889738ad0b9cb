terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.40" }
  }
  backend "s3" {
    bucket = "acme-tfstate-prod"
    key    = "shop/prod.tfstate"
    region = "eu-west-1"
  }
}

provider "aws" { region = "eu-west-1" }

resource "aws_security_group" "web" {
  name   = "shop-web-prod"
  vpc_id = "vpc-0a1b2c3d4e5f60718"
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_launch_template" "web" {
  name_prefix   = "shop-web-prod-"
  image_id      = "ami-0c1bc246476a5572b"
  instance_type = "t3.large"
  vpc_security_group_ids = [aws_security_group.web.id]
}

resource "aws_autoscaling_group" "web" {
  name                = "shop-web-prod"
  min_size            = 3
  max_size            = 9
  desired_capacity    = 3
  vpc_zone_identifier = ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"]
  target_group_arns   = [aws_lb_target_group.web.arn]
  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}

resource "aws_lb" "web" {
  name               = "shop-web-prod"
  load_balancer_type = "application"
  security_groups    = [aws_security_group.web.id]
  subnets            = ["subnet-0aa11bb22cc33dd44", "subnet-0ee55ff66aa77bb88"]
}

resource "aws_lb_target_group" "web" {
  name     = "shop-web-prod"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-0a1b2c3d4e5f60718"
  health_check { path = "/healthz" }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  certificate_arn   = "arn:aws:acm:eu-west-1:123456789012:certificate/4f8e3c2a-9b1d-4e6f-a7c8-0d2e5f6a7b8c"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_db_instance" "main" {
  identifier              = "shop-prod"
  engine                  = "postgres"
  engine_version          = "15.5"
  instance_class          = "db.m6g.large"
  allocated_storage       = 200
  username                = "shop"
  manage_master_user_password = true
  backup_retention_period = 7
  skip_final_snapshot     = false
}
