import { useState } from "react";
import { ProductCard } from "./ProductCard";
import type { Product } from "./types";

export function ProductList({ products }: { products: Product[] }) {
  const [query, setQuery] = useState("");
  const [cart, setCart] = useState<string[]>([]);

  const visible = products
    .filter((p) => p.name.toLowerCase().includes(query.toLowerCase()))
    .sort((a, b) => a.price - b.price);

  return (
    <div>
      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search" />
      <p>{cart.length} in cart</p>
      <ul>
        {visible.map((product, index) => (
          <ProductCard
            key={index}
            product={product}
            style={{ padding: 8 }}
            onAdd={() => setCart([...cart, product.id])}
          />
        ))}
      </ul>
    </div>
  );
}
