// Keeps a scrolling log pane on its newest line, as `tail -f` does, unless the reader has
// scrolled up to read older lines; scrolling back to the bottom resumes following.
import { useLayoutEffect, useRef } from 'react';

/** Within a couple of pixels of the end: zoom and fractional layout leave scrollTop a little short. */
export function isAtBottom(scrollTop: number, clientHeight: number, scrollHeight: number): boolean {
  return scrollHeight - scrollTop - clientHeight <= 2;
}

/**
 * Scrolls `ref` to the bottom whenever `content` changes, if it was at the bottom before.
 * Returns whether it follows, for a caller that scrolls away on purpose (a jump to a moment)
 * to say so before the scroll event does.
 */
export function useStickToBottom(ref: React.RefObject<HTMLElement | null>, content: unknown): React.RefObject<boolean> {
  const following = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const onScroll = () => {
      following.current = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight);
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, [ref]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && following.current) el.scrollTop = el.scrollHeight;
  }, [ref, content]);
  return following;
}
