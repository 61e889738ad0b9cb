class Invoice < ApplicationRecord
  STATUSES = %w[draft open paid void].freeze

  belongs_to :account
  belongs_to :customer

  validates :number, presence: true, uniqueness: { scope: :account_id }
  validates :status, inclusion: { in: STATUSES }
  validates :amount_cents, numericality: { greater_than_or_equal_to: 0 }

  scope :unpaid, -> { where.not(status: "paid") }
end
