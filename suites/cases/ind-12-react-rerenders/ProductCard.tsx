import { memo, type CSSProperties } from "react";
import type { Product } from "./types";

interface Props {
  product: Product;
  style: CSSProperties;
  onAdd: () => void;
}

export const ProductCard = memo(function ProductCard({ product, style, onAdd }: Props) {
  return (
    <li style={style}>
      <img src={product.imageUrl} width={120} height={120} />
      <span>{product.name}</span>
      <button onClick={onAdd}>Add</button>
    </li>
  );
});
