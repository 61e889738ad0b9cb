module Admin
  class InvoicesController < Admin::BaseController
    PER_PAGE = 25

    # GET /admin/invoices?status=open&q=acme&sort=issued_on&dir=desc&page=2
    def index
      sql = <<~SQL
        SELECT invoices.*, customers.name AS customer_name
        FROM invoices
        INNER JOIN customers ON customers.id = invoices.customer_id
        WHERE invoices.account_id = #{current_account.id}
      SQL
      sql << " AND invoices.status = '#{params[:status]}'" if params[:status].present?
      sql << " AND customers.name ILIKE '%#{params[:q]}%'" if params[:q].present?
      sql << " ORDER BY #{params[:sort] || 'invoices.issued_on'} #{params[:dir] || 'DESC'}"
      page = [params[:page].to_i, 1].max
      sql << " LIMIT #{PER_PAGE} OFFSET #{(page - 1) * PER_PAGE}"

      @invoices = Invoice.find_by_sql(sql)
      @page = page
    end

    # GET /admin/invoices/overdue_total.json?as_of=2026-11-01
    def overdue_total
      as_of = params[:as_of].presence || Date.current.iso8601
      cents = ActiveRecord::Base.connection.select_value(<<~SQL)
        SELECT COALESCE(SUM(amount_cents), 0)
        FROM invoices
        WHERE account_id = #{current_account.id}
          AND status <> 'paid'
          AND due_on < '#{as_of}'
      SQL
      render json: { overdue_cents: cents.to_i, as_of: as_of }
    end

    # POST /admin/invoices/:id/mark_paid
    def mark_paid
      invoice = current_account.invoices.find(params[:id])
      invoice.update!(status: "paid", paid_on: Date.current)
      redirect_to admin_invoices_path, notice: "Invoice #{invoice.number} marked as paid."
    end
  end
end
