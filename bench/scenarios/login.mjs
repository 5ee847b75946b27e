// Login: logins per second (sequential and concurrent), and the CPU time of one password hash,
// measured inside workerd two ways: the bench worker hashing once with the app's parameters and
// timing itself, and a login minus a refused login that fails validation before any hashing.
import { percentiles, pool, round } from '../lib/stats.mjs'

export async function login(appTarget, baselineServer, { credentials, concurrentLogins, log }) {
  const api = appTarget.api
  const sequential = []
  for (const c of credentials) sequential.push((await api.login(c.email, c.password)).ms)
  const concurrency = 4
  const started = performance.now()
  await pool(concurrentLogins, concurrency, (i) => api.login(credentials[i % credentials.length].email, credentials[i % credentials.length].password))
  const concurrentS = (performance.now() - started) / 1000
  const refused = []
  for (let i = 0; i < 10; i++) {
    const res = await api.request('POST', '/login/', { body: { Email: credentials[0].email } })
    if (res.status < 400 || res.status >= 500) throw new Error(`login without password -> ${res.status}`)
    refused.push(res.ms)
  }
  await fetch(`${baselineServer.url}/micro/hash`, { signal: AbortSignal.timeout(10000) }) // first call allocates and compiles
  const hashMs = []
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${baselineServer.url}/micro/hash`, { signal: AbortSignal.timeout(10000) })
    hashMs.push((await res.json()).ms)
  }
  const seqP = percentiles(sequential)
  const row = {
    scenario: 'login',
    target: appTarget.name,
    logins: sequential.length,
    login_ms: seqP,
    logins_per_s_sequential: round(1000 / seqP.p50, 1),
    logins_per_s_concurrent: round(concurrentLogins / concurrentS, 1),
    concurrency,
    refused_login_ms: percentiles(refused),
    hash_ms_login_minus_refused: round(seqP.p50 - percentiles(refused).p50, 1),
    hash_ms_in_workerd: percentiles(hashMs, [50]).p50,
    hash_algorithm: 'argon2id m=19456 t=2 p=1 (@noble/hashes, bench worker)',
  }
  log(`login: ${row.logins_per_s_sequential}/s sequential, ${row.logins_per_s_concurrent}/s at concurrency ${concurrency}; hash ${row.hash_ms_in_workerd} ms`)
  return [row]
}
