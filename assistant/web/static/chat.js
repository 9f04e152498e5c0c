() => {
  // Answers arrive as Markdown with plain "[n]" markers (so the copy button copies clean
  // text). Here each marker becomes a link to card n of that answer in the sources panel:
  // the k-th answer in the chat is turn k of the panel.
  const CITE = /\[(\d{1,3})\]/g;

  function linkify() {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    bots.forEach((bot, index) => {
      const walker = document.createTreeWalker(bot, NodeFilter.SHOW_TEXT);
      const found = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        CITE.lastIndex = 0;
        if (CITE.test(node.nodeValue) && !node.parentElement.closest('a, code, pre, button')) found.push(node);
      }
      found.forEach((node) => {
        const text = node.nodeValue;
        const pieces = document.createDocumentFragment();
        let last = 0;
        text.replace(CITE, (marker, number, at) => {
          pieces.append(text.slice(last, at));
          const link = document.createElement('a');
          link.className = 'cite';
          link.href = `#src-${index + 1}-${number}`;
          link.textContent = marker;
          link.title = `Show source ${number}`;
          pieces.append(link);
          last = at + marker.length;
          return marker;
        });
        pieces.append(text.slice(last));
        node.replaceWith(pieces);
      });
    });
  }

  function show(id) {
    const card = document.getElementById(id);
    if (!card) return false;
    const turn = card.closest('.src-turn');
    document.querySelectorAll('.src-turn').forEach((t) => t.classList.toggle('shown', t === turn));
    document.querySelectorAll('.src-card.active').forEach((c) => c.classList.remove('active'));
    card.classList.add('active');
    card.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    return true;
  }

  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.cite');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    show(link.getAttribute('href').slice(1));
  }, true);

  new MutationObserver(linkify).observe(document.body, { childList: true, subtree: true, characterData: true });
  linkify();
}
