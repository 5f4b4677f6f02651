/**
 * ReactFlow settings shared by our graphs: laid out on the server, looked at and
 * clicked, never edited. The links inside nodes and edge labels are the tab
 * stops; focusable wrappers would double them. The page scrolls, not the graph.
 */
export const READ_ONLY_FLOW = {
  fitView: true,
  nodesDraggable: false,
  nodesConnectable: false,
  elementsSelectable: false,
  nodesFocusable: false,
  edgesFocusable: false,
  zoomOnScroll: false,
  preventScrolling: false,
} as const;
