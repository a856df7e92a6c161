/** Minimal checks of CloudBase response bodies: the fields the gateway relies on exist and have the right type. */

export type FieldType = 'string' | 'number' | 'boolean' | 'array';

/** The required fields of T, each with the type it must have. */
export type Shape<T> = { readonly [K in keyof T]?: FieldType };

function typeOf(v: unknown): FieldType | 'other' {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return typeof v as FieldType;
  return 'other';
}

/** True when `body` is a JSON object whose listed fields all have their listed types. */
export function hasShape<T>(body: unknown, shape: Shape<T>): body is T {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  return Object.entries(shape).every(([field, type]) => typeOf(record[field]) === type);
}
