import {
  PATHS,
  type ChangePasswordRequest,
  type ChangePasswordResponse,
  type DeleteMeRequest,
  type DeleteMeResponse,
  type LoginRequest,
  type LoginResponse,
  type MeResponse,
  type RegisterRequest,
  type RegisterResponse,
  type SessionsResponse,
  type UpdateMeRequest,
  type UsersResponse,
} from '../../../protocol'
import { clearAccessToken, refreshSession, request, setAccessToken } from './http'

export async function register(body: RegisterRequest): Promise<RegisterResponse> {
  return request<RegisterResponse>('POST', PATHS.register, { body, auth: false })
}

export async function login(body: LoginRequest): Promise<LoginResponse> {
  const res = await request<LoginResponse>('POST', PATHS.login, { body, auth: false })
  setAccessToken(res.access_token, res.expires_in)
  return res
}

/** Restores a session after a reload from the refresh cookie alone. */
export async function resumeSession() {
  return (await refreshSession()).user
}

export async function logout(): Promise<void> {
  try {
    await request<unknown>('POST', PATHS.logout, { auth: false })
  } finally {
    clearAccessToken()
  }
}

export const listSessions = () => request<SessionsResponse>('GET', PATHS.sessions)
export const revokeSession = (id: string) => request<unknown>('DELETE', PATHS.session(id))
export const revokeAllSessions = () => request<unknown>('DELETE', PATHS.sessions)

export function searchUsers(query: string): Promise<UsersResponse> {
  const params = new URLSearchParams({ q: query, limit: '20' })
  return request<UsersResponse>('GET', `${PATHS.users}?${params}`)
}

/** The signed-in account and its settings. */
export const getMe = () => request<MeResponse>('GET', PATHS.me)
export const updateMe = (body: UpdateMeRequest) => request<MeResponse>('PATCH', PATHS.me, { body })

/** DELETE /me/: erases the account; the access token is dropped with it (the server clears the cookie). */
export async function deleteMe(body: DeleteMeRequest): Promise<void> {
  await request<DeleteMeResponse>('DELETE', PATHS.me, { body })
  clearAccessToken()
}

/** POST /me/password/: this browser stays signed in, every other session ends. */
export const changePassword = (body: ChangePasswordRequest) => request<ChangePasswordResponse>('POST', PATHS.mePassword, { body })

/** GET /me/export/: the account's data as a JSON file. */
export const exportAccount = () => request<Blob>('GET', PATHS.meExport, { blob: true })
