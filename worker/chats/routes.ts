import { createRouter } from '../http/router'
import { requireUser } from '../http/require-user'

/** /chat/* REST routes (issue #3). */
export const chatRoutes = createRouter()
chatRoutes.use('/chat/*', requireUser)
