import axios from "axios";

export type Range = "7d" | "30d" | "90d";

export interface Kpis {
  revenue: number; // cents
  orders: number;
  refundRate: number; // 0..100, one decimal
  currency: string;
}

export interface OrderRow {
  id: string;
  placedAt: string;
  customer: string;
  totalCents: number;
  status: "paid" | "refunded" | "pending";
}

const http = axios.create({ baseURL: "/api/metrics", timeout: 10_000 });

export async function fetchKpis(range: Range): Promise<Kpis> {
  const { data } = await http.get<Kpis>("/kpis", { params: { range } });
  return data;
}

export async function fetchOrders(range: Range, page = 1): Promise<{ rows: OrderRow[]; total: number }> {
  const { data } = await http.get("/orders", { params: { range, page } });
  return data;
}
