// A module as a library author would write it: plain async functions, one sync one, one value.
export interface User {
  id: number;
  name: string;
}
export async function fetchUser(id: number): Promise<User> {
  return { id, name: `user ${id}` };
}
export async function search(query: string, options?: { limit?: number }): Promise<User[]> {
  return [{ id: options?.limit ?? 1, name: query }];
}
export function parse(text: string): Promise<number> | number {
  return Number(text);
}
export async function nothing(): Promise<void> {}
export const version = '1.0.0';
