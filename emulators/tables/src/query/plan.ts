/**
 * Turns the key conditions of a `$filter` into an index range. Only the
 * conjuncts at the top of the tree that compare PartitionKey or RowKey with a
 * string literal are used; the whole filter is still evaluated on every
 * candidate, so the range only has to be a superset. The SQL comes from fixed
 * fragments with `?` placeholders; values are always bound, never spliced in.
 */
import type { CmpOp, FilterNode } from './filter.js';

export interface KeyRange {
  /** Fixed SQL fragments, each with its placeholders. */
  readonly clauses: string[];
  readonly params: string[];
}

const mirror: Record<CmpOp, CmpOp> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
const sqlOp: Partial<Record<CmpOp, string>> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
const keyColumn: Record<string, string> = { PartitionKey: 'pk', RowKey: 'rk' };

function conjuncts(node: FilterNode, out: FilterNode[]): FilterNode[] {
  if (node.kind === 'and') {
    conjuncts(node.left, out);
    conjuncts(node.right, out);
  } else {
    out.push(node);
  }
  return out;
}

export function keyRange(filter: FilterNode | undefined): KeyRange {
  const clauses: string[] = [];
  const params: string[] = [];
  if (!filter) return { clauses, params };
  for (const node of conjuncts(filter, [])) {
    if (node.kind !== 'cmp') continue;
    let { left, right, op } = node;
    if (left.kind === 'lit' && right.kind === 'prop') {
      [left, right] = [right, left];
      op = mirror[op];
    }
    if (left.kind !== 'prop' || right.kind !== 'lit' || right.value[0] !== 'S') continue;
    const column = keyColumn[left.name];
    const sql = sqlOp[op];
    if (!column || !sql) continue;
    clauses.push(`${column} ${sql} ?`);
    params.push(String(right.value[1]));
  }
  return { clauses, params };
}
