// The app's public REST API as the bench drives it (paths from protocol/http.ts). Every call has a
// deadline; a non-2xx answer throws with the server's error code so a missing route is obvious.
import { PATHS } from './protocol.mjs'

export class ApiError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path} -> ${status} ${body.slice(0, 300)}`)
    this.status = status
  }
}

export class AppApi {
  constructor(baseUrl, timeoutMs = 15000) {
    this.baseUrl = baseUrl
    this.timeoutMs = timeoutMs
  }

  /**
   * Raw request; returns { status, ms, headers, text }. wrangler dev reloads the worker when a source
   * file changes (colleagues editing while a bench runs) and answers 503 "restarted mid-request":
   * retry that a few times instead of failing the scenario.
   */
  async request(method, path, options = {}) {
    for (let attempt = 1; ; attempt++) {
      const res = await this.requestOnce(method, path, options)
      if (res.status !== 503 || !res.text.includes('restarted') || attempt === 4) return res
      await new Promise((r) => setTimeout(r, 1000))
    }
  }

  async requestOnce(method, path, { token, body } = {}) {
    const headers = { Origin: this.baseUrl }
    if (token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const started = performance.now()
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    const text = await res.text()
    return { status: res.status, ms: performance.now() - started, headers: res.headers, text }
  }

  async json(method, path, options) {
    const res = await this.request(method, path, options)
    if (res.status < 200 || res.status > 299) throw new ApiError(method, path, res.status, res.text)
    return { ...JSON.parse(res.text), _ms: res.ms }
  }

  async register(username, email, password) {
    const res = await this.request('POST', PATHS.register, { body: { Username: username, Email: email, Password: password } })
    // 409 after a retried 503: the first attempt did register.
    if (res.status !== 201 && res.status !== 409) throw new ApiError('POST', PATHS.register, res.status, res.text)
  }

  async login(email, password) {
    const body = await this.json('POST', PATHS.login, { body: { Email: email, Password: password } })
    return { token: body.access_token, userId: body.user?.userid, ms: body._ms }
  }

  async createGroup(token, name) {
    const body = await this.json('POST', PATHS.chatCreate, { token, body: { is_group: true, name } })
    return body.chat_id
  }

  join(token, chatId) {
    return this.json('POST', PATHS.chatAdd(chatId), { token })
  }

  history(token, chatId, query = '') {
    return this.request('GET', PATHS.chatHistory(chatId) + query, { token })
  }

  socketUrl(chatId, token, since) {
    const ws = this.baseUrl.replace(/^http/, 'ws')
    return `${ws}${PATHS.chatSocket(chatId)}?token=${encodeURIComponent(token)}${since === undefined ? '' : `&since=${since}`}`
  }
}
