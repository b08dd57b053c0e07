/** Runs `fn` over `items` with at most `limit` at once; results in item order (a rejection is kept as the Error). */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<Array<R | Error>> {
  const out: Array<R | Error> = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i], i).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return out
}
