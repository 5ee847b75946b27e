import { render } from 'preact'

render(<main><h1>Edge Chat</h1></main>, document.getElementById('app')!)
