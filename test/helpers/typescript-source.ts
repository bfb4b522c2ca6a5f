// TypeScript for the swc workloads (compat test and benchmark): `count` blocks of interfaces,
// generics, enums, classes, async iterators and optional chaining.
export function typescriptSource(count: number): string {
  let source = '';
  for (let i = 0; i < count; i++) source += `
export interface Shape${i} { readonly id: number; name?: string; tags: Array<string | number> }
export enum Kind${i} { Circle = ${i}, Square, Named = 'n${i}' }
export class Store${i}<T extends Shape${i}> implements Iterable<T> {
  private items: Map<number, T> = new Map();
  constructor(private readonly prefix: string = 'p${i}', public limit = ${i * 10 + 5}) {}
  add(item: T): this { if (this.items.size < this.limit) this.items.set(item.id, item); return this; }
  find(id: number): T | undefined { return this.items.get(id) ?? undefined; }
  label(id: number): string { return \`\${this.prefix}:\${this.find(id)?.name ?? 'anon'}:\${Kind${i}[Kind${i}.Square]}\`; }
  async *[Symbol.asyncIterator](): AsyncGenerator<T> { for (const v of this.items.values()) yield v; }
  [Symbol.iterator](): Iterator<T> { return this.items.values(); }
  static of<S extends Shape${i}>(...xs: S[]): Store${i}<S> { const s = new Store${i}<S>(); xs.forEach((x) => s.add(x)); return s; }
}
export const total${i} = async (s: Store${i}<Shape${i}>): Promise<number> => { let n = 0; for await (const v of s) n += v.id * (v.tags.length || 1); return n; };
`;
  return source;
}
