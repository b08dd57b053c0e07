/**
 * Polls until `read()` gives the same value twice `ms` apart (nothing moves any more), and returns that value. For
 * tests of backpressure: a producer held back stops moving; one that is not keeps going.
 */
export async function settled<T>(read: () => T, ms = 300): Promise<T> {
  let last = read()
  for (;;) {
    await new Promise((r) => setTimeout(r, ms))
    const now = read()
    if (now === last) return now
    last = now
  }
}
