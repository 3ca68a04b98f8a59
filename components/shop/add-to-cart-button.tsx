'use client';

import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { useCart } from './cart-store';

export function AddToCartButton({ priceId, productName }: { priceId: string; productName: string }) {
  const { add } = useCart();
  const [added, setAdded] = useState(false);

  useEffect(() => {
    if (!added) return;
    const timer = setTimeout(() => setAdded(false), 2500);
    return () => clearTimeout(timer);
  }, [added]);

  return (
    <div className="flex items-center gap-3">
      <Button
        type="button"
        variant="secondary"
        onClick={() => {
          add(priceId);
          setAdded(true);
        }}
      >
        Add to cart<span className="sr-only">: {productName}</span>
      </Button>
      <span role="status" className="text-sm text-brand-700">
        {added ? 'Added to your cart' : ''}
      </span>
    </div>
  );
}
