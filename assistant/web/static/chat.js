() => {
  // Answers arrive as Markdown with plain markers numbered by article: "[2]", "[1b]" (quote b
  // of article 1) or grouped, "[1, 2b]" (so the copy button copies clean text). Here each
  // label becomes a link to that article's card, and that quote, in the sources panel: the
  // k-th answer in the chat is turn k of the panel.
  const MARKER = /\[(\d{1,3}[a-z]{0,2}(?:\s*,\s*\d{1,3}[a-z]{0,2})*)\]/g;
  const LABEL = /\d{1,3}[a-z]{0,2}/g;

  function citeLink(turn, label, text) {
    const link = document.createElement('a');
    link.className = 'cite';
    link.href = `#src-${turn}-${label}`;
    link.textContent = text;
    link.title = `Show source ${label}`;
    return link;
  }

  function linkMarkers(node, turn) {
    const text = node.nodeValue;
    const pieces = document.createDocumentFragment();
    let last = 0;
    text.replace(MARKER, (marker, inner, at) => {
      pieces.append(text.slice(last, at));
      const labels = inner.match(LABEL);
      if (labels.length === 1) {
        pieces.append(citeLink(turn, labels[0], marker));
      } else {
        // A group links each of its labels: "[" 1 ", " 2b "]".
        pieces.append('[');
        labels.forEach((label, i) => {
          if (i) pieces.append(', ');
          pieces.append(citeLink(turn, label, label));
        });
        pieces.append(']');
      }
      last = at + marker.length;
      return marker;
    });
    pieces.append(text.slice(last));
    node.replaceWith(pieces);
  }

  function linkify() {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    bots.forEach((bot, index) => {
      const walker = document.createTreeWalker(bot, NodeFilter.SHOW_TEXT);
      const found = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        MARKER.lastIndex = 0;
        if (MARKER.test(node.nodeValue) && !node.parentElement.closest('a, code, pre, button')) found.push(node);
      }
      found.forEach((node) => linkMarkers(node, index + 1));
    });
  }

  // A label names a quote ("src-1-1b-quote") or, for an article cited as a whole, its card ("src-1-1").
  function show(id) {
    const quote = document.getElementById(`${id}-quote`);
    const card = quote ? quote.closest('.src-card') : document.getElementById(id);
    if (!card) return false;
    const turn = card.closest('.src-turn');
    document.querySelectorAll('.src-turn').forEach((t) => t.classList.toggle('shown', t === turn));
    document.querySelectorAll('.src-card.active, .src-quote.active').forEach((c) => c.classList.remove('active'));
    card.classList.add('active');
    if (quote) quote.classList.add('active');
    (quote || card).scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    return true;
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.cite');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    show(link.getAttribute('href').slice(1));
  }, true);

  // The conversation follows new text while the reader is at its end; once they scroll up
  // it stays where they are, until they scroll back down or ask another question.
  const follow = { on: true, ours: null, last: null, log: null };
  const NEAR_END = 40; // pixels from the end that still count as "at the end"

  function atEnd(log) {
    return log.scrollHeight - log.scrollTop - log.clientHeight < NEAR_END;
  }

  function toEnd(log) {
    const target = log.scrollHeight - log.clientHeight;
    if (Math.abs(log.scrollTop - target) > 1) {
      follow.ours = target; // the scroll event this causes is ours, not the reader's
      log.scrollTop = target;
    }
    follow.last = log.scrollTop;
  }

  function keepUp() {
    const log = document.querySelector('#chat [role="log"]');
    if (!log) return;
    if (log !== follow.log) {
      follow.log = log;
      log.addEventListener('scroll', () => {
        if (follow.ours !== null && Math.abs(log.scrollTop - follow.ours) <= 1) {
          follow.ours = null;
          return;
        }
        follow.ours = null;
        follow.last = log.scrollTop;
        follow.on = atEnd(log);
      }, { passive: true });
      // Scrolling up with a wheel says at once what the scroll event only says after the next frame.
      log.addEventListener('wheel', (event) => {
        if (event.deltaY < 0) follow.on = false;
      }, { passive: true });
    }
    // Moved up since we last scrolled it (its scroll event not yet seen): the reader's doing.
    if (follow.on && follow.last !== null && log.scrollTop < follow.last - 1 && !atEnd(log)) follow.on = false;
    if (follow.on) toEnd(log);
  }

  // Asking a question is looking at the end of the conversation: follow it again.
  function asked() {
    follow.on = true;
    follow.last = null;
  }
  document.addEventListener('click', (event) => {
    if (event.target.closest('#ask')) asked();
  }, true);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && event.target.closest('#question')) asked();
  }, true);

  new MutationObserver(() => {
    linkify();
    keepUp();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  linkify();
}
