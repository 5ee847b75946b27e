export function NotFoundRoute() {
  return (
    <main id="main" class="page narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. <a href="/">Back to your chats</a>.
      </p>
    </main>
  )
}
