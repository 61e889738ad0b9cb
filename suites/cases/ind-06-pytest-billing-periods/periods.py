from datetime import date
import calendar


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (Jan 31 + 1 -> Feb 28/29)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def billing_periods(start: date, count: int) -> list[tuple[date, date]]:
    """`count` consecutive monthly periods from `start`, each [begin, end) anchored on start's day."""
    if count < 0:
        raise ValueError("count must be >= 0")
    return [(add_months(start, i), add_months(start, i + 1)) for i in range(count)]


def prorate(amount_cents: int, period: tuple[date, date], used_from: date) -> int:
    """The share of `amount_cents` for the days of `period` from `used_from` on, rounded down."""
    begin, end = period
    if not begin <= used_from < end:
        raise ValueError("used_from outside the period")
    total_days = (end - begin).days
    used_days = (end - used_from).days
    return amount_cents * used_days // total_days
