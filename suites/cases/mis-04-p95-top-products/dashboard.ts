import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Request, type Response, Router } from "express";
import { pool } from "../db";
import { requireAuth } from "../middleware/auth";
import { logger } from "../logger";

const TOP_PRODUCTS_SQL = readFileSync(join(__dirname, "../../sql/top_products.sql"), "utf8");

export const dashboard = Router();

interface TopProduct {
  id: number;
  name: string;
  units: string;
  revenue_cents: string;
}

// GET /api/dashboard/top-products: the "Top sellers" card of the account dashboard.
// Polled by every open dashboard tab every 30 s.
dashboard.get("/top-products", requireAuth, async (req: Request, res: Response) => {
  const accountId = req.user!.accountId;
  const started = process.hrtime.bigint();
  const { rows } = await pool.query<TopProduct>(TOP_PRODUCTS_SQL, [accountId]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  logger.info({ route: "top-products", accountId, ms, rows: rows.length }, "dashboard query");
  res.json(
    rows.map((r) => ({
      id: r.id,
      name: r.name,
      units: Number(r.units),
      revenueCents: Number(r.revenue_cents),
    })),
  );
});
