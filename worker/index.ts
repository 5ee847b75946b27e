import { app } from './app'

export default app
export { ChatRoom } from './rooms/object/chat-room'
export { UserHub } from './live/object/user-hub'
