// Single costs measured inside workerd by the bench worker, used to attribute the room's per-message
// cost: AES-GCM encrypt/decrypt of one 120-character message, JSON.stringify of one message frame,
// one SQLite insert (autocommit vs. inside one transaction) and a 50-row newest page (read + decrypt
// + serialize) from a table of `storageRows` rows.
export async function micro(baseline, { storageRows, log }) {
  // One retry after a timeout, said in the log: a CI smoke run once saw the first request to a fresh
  // baseline server hang for 30 s (a second run of the same tree answered in 2 s).
  const get = async (path, timeoutMs, retried = false) => {
    try {
      const res = await fetch(baseline.url + path, { signal: AbortSignal.timeout(timeoutMs) })
      if (!res.ok) throw new Error(`${path} -> ${res.status}`)
      return await res.json()
    } catch (err) {
      if (retried || err?.name !== 'TimeoutError') throw err
      log(`micro: ${path} timed out after ${timeoutMs} ms; retrying once`)
      return get(path, timeoutMs, true)
    }
  }
  const crypto = await get('/micro/crypto?n=2000', 30000)
  const storage = await get(`/micro/storage?rows=${storageRows}`, 60000)
  const row = { scenario: 'micro', target: 'baseline', ...crypto, ...storage }
  log(`micro: encrypt ${crypto.aes_gcm_encrypt_us} µs, decrypt ${crypto.aes_gcm_decrypt_us} µs, stringify ${crypto.json_stringify_frame_us} µs, insert ${storage.insert_autocommit_us} µs, page ${storage.history_page_50_ms} ms`)
  return [row]
}
