# -*- coding: utf-8 -*-
"""Nightly export of invoices to the accounting SFTP drop (Python 2.7)."""
import csv
import urllib2
import json
from StringIO import StringIO

from billing.db import fetch_invoices, count_invoices

PER_PAGE = 500
API = "https://accounting.internal/api/v1/batches"


def page_count(total, per_page=PER_PAGE):
    # round up: 1001 invoices -> 3 pages
    return (total + per_page - 1) / per_page


def format_amount(cents):
    return "%d.%02d" % (cents / 100, cents % 100)


def to_row(inv):
    name = inv["customer_name"]
    if isinstance(name, unicode):
        name = name.encode("utf-8")
    return [inv["number"], name, format_amount(inv["total_cents"]), inv["currency"]]


def export_csv(day):
    buf = StringIO()
    writer = csv.writer(buf)
    writer.writerow(["number", "customer", "amount", "currency"])
    total = count_invoices(day)
    for page in xrange(page_count(total)):
        for inv in fetch_invoices(day, offset=page * PER_PAGE, limit=PER_PAGE):
            writer.writerow(to_row(inv))
    return buf.getvalue()


def push(day):
    body = json.dumps({"day": day, "csv": export_csv(day)})
    req = urllib2.Request(API, body, {"Content-Type": "application/json"})
    try:
        resp = urllib2.urlopen(req, timeout=30)
    except urllib2.HTTPError, e:
        print "export failed for %s: %s" % (day, e.code)
        raise
    result = json.loads(resp.read())
    for key, value in result.iteritems():
        print "%s=%s" % (key, value)
    return result["batch_id"]
