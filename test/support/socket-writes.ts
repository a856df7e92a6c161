import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';

/**
 * The writes a client's socket made while `run` went on, as node's Writable hooks saw them: `_writev` takes writes
 * sent together (corked), `_write` a single one.
 */
export async function socketWrites<T>(client: Redis, run: () => Promise<T>): Promise<{ result: T; writev: unknown[][]; write: number }> {
  const socket = client.stream as unknown as { _writev: (chunks: unknown[], cb: () => void) => void; _write: () => void };
  const writev = jest.spyOn(socket, '_writev');
  const write = jest.spyOn(socket, '_write');
  try {
    const result = await run();
    return { result, writev: writev.mock.calls.map(([chunks]) => chunks), write: write.mock.calls.length };
  } finally {
    writev.mockRestore();
    write.mockRestore();
  }
}
