/** Width and height in CSS pixels. */
export interface Box {
  width: number
  height: number
}

/** The largest box an image preview takes in a message bubble. */
export const PREVIEW_MAX: Box = { width: 280, height: 280 }
/** The box of an image whose size the server could not read from its header (`width`/`height` null). */
export const PREVIEW_UNKNOWN: Box = { width: 200, height: 150 }

/**
 * The box an image of `width` x `height` pixels is shown in: its own aspect ratio, scaled down (never
 * up) to fit `max`, at least 1 px each way. Known before the image loads (the sizes come from the
 * AttachmentBody), so the bubble has its final size at once and nothing below it moves when it arrives.
 */
export function previewBox(width: number | null, height: number | null, max: Box = PREVIEW_MAX): Box {
  if (!width || !height || width < 0 || height < 0) return PREVIEW_UNKNOWN
  const scale = Math.min(1, max.width / width, max.height / height)
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}
