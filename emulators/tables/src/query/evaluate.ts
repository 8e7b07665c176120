/**
 * Evaluates a parsed `$filter` against one entity. A comparison between values
 * of different EDM types (or with a property the entity lacks) is false, as in
 * the service; Int32 and Double compare as numbers.
 */
import type { Prop } from '../model/edm.js';
import type { CmpOp, FilterNode, Operand } from './filter.js';

export type Lookup = (name: string) => Prop | undefined;

function orderOf(a: Prop, b: Prop): number | undefined {
  const [ta, va] = a;
  const [tb, vb] = b;
  const numeric = (t: string) => t === 'I' || t === 'D';
  if (numeric(ta) && numeric(tb)) {
    if (typeof va !== 'number' || typeof vb !== 'number') return undefined; // NaN / Infinity stored as text
    return va < vb ? -1 : va > vb ? 1 : 0;
  }
  if (ta !== tb) return undefined;
  switch (ta) {
    case 'L': {
      const x = BigInt(va as string);
      const y = BigInt(vb as string);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'B':
      return Number(va) - Number(vb);
    case 'G': {
      const x = String(va).toLowerCase();
      const y = String(vb).toLowerCase();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'X':
      return Buffer.compare(Buffer.from(String(va), 'base64'), Buffer.from(String(vb), 'base64'));
    default: {
      const x = String(va);
      const y = String(vb);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

function test(op: CmpOp, order: number): boolean {
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
  }
}

function value(o: Operand, lookup: Lookup): Prop | undefined {
  return o.kind === 'lit' ? o.value : lookup(o.name);
}

export function evaluate(node: FilterNode, lookup: Lookup): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, lookup) && evaluate(node.right, lookup);
    case 'or':
      return evaluate(node.left, lookup) || evaluate(node.right, lookup);
    case 'not':
      return !evaluate(node.expr, lookup);
    case 'cmp': {
      const a = value(node.left, lookup);
      const b = value(node.right, lookup);
      if (!a || !b) return false;
      const order = orderOf(a, b);
      return order === undefined ? false : test(node.op, order);
    }
    default: {
      const v = value(node, lookup);
      return v !== undefined && v[0] === 'B' && v[1] === true;
    }
  }
}
