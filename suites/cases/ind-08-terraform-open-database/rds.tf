resource "aws_security_group" "orders_db" {
  name   = "orders-db"
  vpc_id = var.vpc_id

  ingress {
    description = "postgres"
    from_port   = 5432
    to_port     = 5432
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

resource "aws_db_instance" "orders" {
  identifier             = "orders-prod"
  engine                 = "postgres"
  engine_version         = "16.4"
  instance_class         = "db.r6g.large"
  allocated_storage      = 200
  username               = "orders_admin"
  password               = var.db_password
  db_subnet_group_name   = aws_db_subnet_group.public.name
  vpc_security_group_ids = [aws_security_group.orders_db.id]
  publicly_accessible    = true
  storage_encrypted      = false
  backup_retention_period = 0
  deletion_protection    = false
  skip_final_snapshot    = true
}
