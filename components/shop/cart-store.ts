'use client';

import { useCallback, useSyncExternalStore } from 'react';
import type { CartItem } from '@/lib/billing/cart';

/**
 * The cart lives in this browser's localStorage: price ids and quantities only. The server
 * prices it on every view, so a stale or edited copy can never change what anyone pays.
 * Tabs stay in step through the `storage` event.
 */

const STORAGE_KEY = 'billfold.cart.v1';
const CHANGE_EVENT = 'billfold:cart-change';
const MAX_QUANTITY = 99;
const EMPTY: readonly CartItem[] = [];

let cache: { raw: string | null; items: readonly CartItem[] } = { raw: null, items: EMPTY };

function parse(raw: string | null): readonly CartItem[] {
  if (!raw) return EMPTY;
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return EMPTY;
    return value.filter(
      (item): item is CartItem =>
        typeof item === 'object' && item !== null && typeof item.priceId === 'string' && Number.isInteger(item.quantity) && item.quantity >= 1 && item.quantity <= MAX_QUANTITY,
    );
  } catch {
    return EMPTY;
  }
}

function snapshot(): readonly CartItem[] {
  let raw: string | null = null;
  try {
    raw = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage disabled (private mode, policy): the cart is simply empty.
  }
  if (raw !== cache.raw) cache = { raw, items: parse(raw) };
  return cache.items;
}

function subscribe(onChange: () => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key === null || event.key === STORAGE_KEY) onChange();
  };
  window.addEventListener('storage', onStorage);
  window.addEventListener(CHANGE_EVENT, onChange);
  return () => {
    window.removeEventListener('storage', onStorage);
    window.removeEventListener(CHANGE_EVENT, onChange);
  };
}

function write(items: readonly CartItem[]): void {
  try {
    if (items.length === 0) window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, JSON.stringify(items));
  } catch {
    // Nothing more to do: the page keeps showing the last cart it could store.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

export function clampQuantity(quantity: number): number {
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(MAX_QUANTITY, Math.max(1, Math.trunc(quantity)));
}

export function clearCart(): void {
  write(EMPTY);
}

const noSubscription = () => () => {};

/** The cart, and whether it has been read yet (it is unknown while rendering on the server). */
export function useCart() {
  const items = useSyncExternalStore(subscribe, snapshot, () => EMPTY);
  const ready = useSyncExternalStore(noSubscription, () => true, () => false);

  const add = useCallback((priceId: string, quantity = 1) => {
    const current = snapshot();
    const existing = current.find((item) => item.priceId === priceId);
    write(
      existing
        ? current.map((item) => (item.priceId === priceId ? { priceId, quantity: clampQuantity(item.quantity + quantity) } : item))
        : [...current, { priceId, quantity: clampQuantity(quantity) }],
    );
  }, []);
  const setQuantity = useCallback((priceId: string, quantity: number) => {
    write(snapshot().map((item) => (item.priceId === priceId ? { priceId, quantity: clampQuantity(quantity) } : item)));
  }, []);
  const remove = useCallback((priceId: string) => {
    write(snapshot().filter((item) => item.priceId !== priceId));
  }, []);

  return { items, ready, add, setQuantity, remove };
}
