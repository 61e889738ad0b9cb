"use client";

import { useEffect, useState } from "react";
import moment from "moment";
import _ from "lodash";
import { LineChart, Line, XAxis, YAxis, Tooltip, ResponsiveContainer } from "recharts";
import ProductCard from "@/components/ProductCard";

type Product = {
  id: string;
  name: string;
  price: number;
  category: string;
  updatedAt: string;
  sales: { day: string; units: number }[];
};

export default function ProductsPage() {
  const [products, setProducts] = useState<Product[]>([]);
  const [query, setQuery] = useState("");
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    fetch("/api/products")
      .then((r) => r.json())
      .then((data: Product[]) => {
        setProducts(data);
        setLoading(false);
      });
  }, []);

  const filtered = _.sortBy(
    products.filter((p) => p.name.toLowerCase().includes(query.toLowerCase())),
    "name",
  );
  const salesByDay = _.map(
    _.groupBy(_.flatMap(products, (p) => p.sales), "day"),
    (rows, day) => ({ day: moment(day).format("MMM D"), units: _.sumBy(rows, "units") }),
  );

  if (loading) return <p className="p-8">Loading…</p>;

  return (
    <main className="mx-auto max-w-6xl p-8">
      <h1 className="text-2xl font-semibold">Products</h1>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={salesByDay}>
          <XAxis dataKey="day" />
          <YAxis />
          <Tooltip />
          <Line type="monotone" dataKey="units" stroke="#2563eb" dot={false} />
        </LineChart>
      </ResponsiveContainer>
      <input
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder="Search products"
        className="mt-6 w-full rounded border p-2"
      />
      <div className="mt-6 grid grid-cols-3 gap-4">
        {filtered.map((p) => (
          <ProductCard key={p.id} product={p} updated={moment(p.updatedAt).fromNow()} />
        ))}
      </div>
    </main>
  );
}
