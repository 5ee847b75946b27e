// Vite extracts imported CSS into a file of its own (the CSP allows only 'self' styles).
declare module '*.css'
