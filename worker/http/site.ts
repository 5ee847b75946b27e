/**
 * The "site" of an origin (RFC 6265bis §5.2 "same-site", schemeful as browsers now apply it): scheme
 * plus registrable domain. Browsers find the registrable domain with the Public Suffix List; we do
 * not ship the list, so this approximates it as the last two labels of the host (`app.example.com`
 * → `example.com`), and an IP address or a one-label host (`localhost`) as the whole host. Ports
 * never count: `http://localhost:5173` and `http://localhost:8787` are the same site.
 *
 * The approximation errs one way only. Under a public suffix of two labels or more (`co.uk`,
 * `github.io`) two different sites can look like one (`a.co.uk`, `b.co.uk` → `co.uk`), never the
 * reverse, so the refresh cookie then stays SameSite=Strict: safe, but that client must sign in on
 * each visit (docs/configuration.md). `origin` must be a valid URL origin (parseAllowedOrigins checks).
 */
export function siteOf(origin: string): string {
  const url = new URL(origin)
  const host = url.hostname
  const isIp = host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host)
  const labels = host.split('.')
  const domain = isIp || labels.length <= 2 ? host : labels.slice(-2).join('.')
  return `${url.protocol}//${domain}`
}

export function isCrossSite(originA: string, originB: string): boolean {
  return siteOf(originA) !== siteOf(originB)
}
