/** JSON text read back, or null when it is not JSON (a stored column written by hand, or by an older version). */
export function parseJson<T = unknown>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
