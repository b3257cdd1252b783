// The dataflow graph of ring 0 and its propagation steps.
//
// Nodes are operators; edges go from a node to an input port of a downstream node. A batch
// pushed into a root (a table or source store) flows synchronously downstream; when the step
// ends, every node touched in the step is flushed in topological order (consolidating
// operators emit then), and then every view store with changes delivers them to its
// subscribers. Pushes made while a step runs or while changes are being delivered (from a
// subscriber callback) are queued and run as their own steps afterwards, so callbacks are never
// re-entered.
//
// Nodes are kept in insertion order, which is a topological order: a node's inputs always exist
// before it (subgraphs attach only to existing nodes).
//
// New view subgraphs are attached to a live graph with back-fill: the current contents of the
// stores they read are pushed into the new nodes only, then the new nodes are flushed. One-shot
// queries use the same mechanism with a collector sink, then detach.

import { CatalogError, ExecutionError } from '../../errors.js';
import type { Batch } from '../batch.js';
import type { Operator, Output } from '../operator.js';
import type { ChangeListener } from '../../engine/types.js';
import { CollectorSink } from './collector.js';
import { isDeliverer, isMaterialized, type Materialized, type OperatorFactory, type RootHold } from './node-contracts.js';

export { isMaterialized, type ChangeDeliverer, type Materialized, type OperatorFactory, type RootHold } from './node-contracts.js';

interface Edge {
  node: DataflowNode;
  port: number;
}

/** A node of the graph; treat as an opaque handle outside this file. */
export class DataflowNode {
  readonly downstream: Edge[] = [];
  inputs: DataflowNode[] = [];
  op!: Operator;
  dirty = false;
  removed = false;
  /** last watermark this node emitted (handed to subgraphs attached later) */
  outWatermark = -Infinity;
  constructor(
    readonly id: number,
    readonly name: string | undefined,
  ) {}
}

/** The nodes of one attached subgraph (a view's operators); `remove()` detaches them (DROP). */
export class Subgraph {
  constructor(
    private readonly flow: Dataflow,
    readonly nodes: readonly DataflowNode[],
  ) {}
  remove(): void {
    this.flow.removeNodes(this.nodes);
  }
}

/** Collects the nodes of a subgraph before it is attached to the live graph. */
export class SubgraphBuilder {
  private readonly pending: DataflowNode[] = [];
  private committed = false;

  constructor(private readonly flow: Dataflow) {}

  /**
   * Add an operator whose input port i is fed by inputs[i]: an existing node of the live graph
   * (which must be a store: table, source or view) or a node added earlier to this builder.
   */
  add(factory: OperatorFactory, inputs: readonly DataflowNode[] = [], name?: string): DataflowNode {
    if (this.committed) throw new ExecutionError('INVALID_ARGUMENT', 'subgraph already committed');
    const node = this.flow.createNode(name);
    node.inputs = [...inputs];
    node.op = factory(this.flow.outputOf(node));
    this.pending.push(node);
    return node;
  }

  /** Wire the nodes into the graph, back-fill them from their inputs, flush them. */
  commit(): Subgraph {
    if (this.committed) throw new ExecutionError('INVALID_ARGUMENT', 'subgraph already committed');
    this.committed = true;
    return this.flow.attach(this.pending);
  }

  /** Building failed before commit: close the operators created so far (their native state). */
  abandon(): void {
    if (this.committed) return;
    this.committed = true;
    closeOperators(this.pending);
  }
}

/** Calls the close hooks of removed nodes' operators; one failing hook does not keep the others
 *  from freeing their state (a close hook only releases memory, so there is nothing to report). */
function closeOperators(nodes: readonly DataflowNode[]): void {
  for (const node of nodes) {
    try {
      node.op?.close?.();
    } catch {
      // released at garbage collection instead
    }
  }
}

export class Dataflow {
  private nodes: DataflowNode[] = [];
  private nextId = 1;
  private inStep = false;
  private delivering = false;
  /** >0 while a transaction body runs: its pushes join the current step */
  private inTransaction = 0;
  private readonly queue: (() => void)[] = [];
  /** the all-or-nothing units open now (nested execute() calls), innermost last */
  private readonly holds: RootHold[] = [];
  /** sees every batch a root (table / source store) emits while set: the undo log of a call */
  private rootRecorder: ((node: DataflowNode, batch: Batch) => void) | null = null;

  /** Add a root node (a table or source store) that is fed by `push`. */
  addRoot(factory: OperatorFactory, name?: string): DataflowNode {
    const node = this.createNode(name);
    const downstream = this.outputOf(node);
    const output: Output = {
      push: (batch: Batch): void => {
        // recorded before fan-out: a failing consumer must not hide what the store applied
        if (this.rootRecorder !== null && batch.length > 0) this.rootRecorder(node, batch);
        downstream.push(batch);
      },
      watermark: (wm: number): void => downstream.watermark(wm),
      unobserved: (): boolean => this.rootRecorder === null && node.downstream.length === 0,
    };
    node.op = factory(output);
    this.nodes.push(node);
    return node;
  }

  /**
   * Start an all-or-nothing unit (a multi-statement execute()): steps still run and flush, but
   * their changes stay with the view stores until the outermost unit ends; while the returned
   * hold is `recording`, `recorder` sees every delta the roots emit, so the caller can push their
   * inverses to roll back (it clears `recording` first, so the roll-back is not recorded).
   */
  beginHold(recorder: (node: DataflowNode, batch: Batch) => void): RootHold {
    const hold: RootHold = { recorder, recording: true };
    this.holds.push(hold);
    this.rootRecorder = this.recordAll;
    return hold;
  }

  /** End the unit: subscribers get the held changes (commit) or never see them (roll-back). */
  endHold(hold: RootHold, deliver: boolean): void {
    hold.recording = false;
    const i = this.holds.lastIndexOf(hold);
    if (i >= 0) this.holds.splice(i, 1);
    if (this.holds.length > 0) return;
    this.rootRecorder = null;
    if (!deliver) {
      for (const n of this.nodes) if (isDeliverer(n.op)) n.op.discardPending?.();
      return;
    }
    let failure: unknown = undefined;
    try {
      this.deliverAll();
    } catch (err) {
      failure = err;
    }
    const queued = this.drainQueue();
    if (failure !== undefined) throw failure;
    if (queued !== undefined) throw queued;
  }

  /** Every open unit records (an outer unit must also undo what a nested one did). */
  private readonly recordAll = (node: DataflowNode, batch: Batch): void => {
    for (const h of this.holds) if (h.recording) h.recorder(node, batch);
  };

  /** Start building a subgraph (a view's operators) to attach to this graph. */
  builder(): SubgraphBuilder {
    return new SubgraphBuilder(this);
  }

  /** Push a batch into a root node as one step (queued if a step or delivery is running). */
  push(node: DataflowNode, batch: Batch): void {
    this.assertLive(node);
    if (this.inTransaction > 0) {
      node.dirty = true;
      node.op.push(batch, 0);
    } else if (this.inStep || this.delivering) {
      this.queue.push(() => {
        node.dirty = true;
        node.op.push(batch, 0);
      });
    } else {
      // the common case runs now: hand the arguments over in fields so no closure is made
      this.nextNode = node;
      this.nextBatch = batch;
      this.step(this.runNextPush);
    }
  }

  /** Advance a root's watermark (propagates downstream) as one step. */
  advanceWatermark(node: DataflowNode, wm: number): void {
    this.assertLive(node);
    if (this.inTransaction > 0) {
      node.dirty = true;
      node.op.watermark(wm, 0);
    } else if (this.inStep || this.delivering) {
      this.queue.push(() => {
        node.dirty = true;
        node.op.watermark(wm, 0);
      });
    } else {
      this.nextNode = node;
      this.nextWatermark = wm;
      this.step(this.runNextWatermark);
    }
  }

  /**
   * Push a batch into a root and advance the root's watermark, as one step (an insert into a
   * watermarked source: one flush, one delivery). Same as both calls inside transaction(), with
   * no closure made for the common case.
   */
  pushWithWatermark(node: DataflowNode, batch: Batch, wm: number): void {
    this.assertLive(node);
    if (this.inTransaction > 0) {
      node.dirty = true;
      node.op.push(batch, 0);
      node.op.watermark(wm, 0);
    } else if (this.inStep || this.delivering) {
      this.queue.push(() => {
        node.dirty = true;
        node.op.push(batch, 0);
        node.op.watermark(wm, 0);
      });
    } else {
      this.nextNode = node;
      this.nextBatch = batch;
      this.nextWatermark = wm;
      this.step(this.runNextPushWithWatermark);
    }
  }

  private nextNode: DataflowNode | null = null;
  private nextBatch: Batch | null = null;
  private nextWatermark = 0;
  private readonly runNextPush = (): void => {
    const node = this.nextNode!;
    const batch = this.nextBatch!;
    this.nextNode = null;
    this.nextBatch = null;
    node.dirty = true;
    node.op.push(batch, 0);
  };
  private readonly runNextPushWithWatermark = (): void => {
    const node = this.nextNode!;
    const batch = this.nextBatch!;
    this.nextNode = null;
    this.nextBatch = null;
    node.dirty = true;
    node.op.push(batch, 0);
    node.op.watermark(this.nextWatermark, 0);
  };
  private readonly runNextWatermark = (): void => {
    const node = this.nextNode!;
    this.nextNode = null;
    node.dirty = true;
    node.op.watermark(this.nextWatermark, 0);
  };

  /** Run `fn` (several pushes, watermarks) as a single step: flush and delivery happen once. */
  transaction(fn: () => void): void {
    if (this.inTransaction > 0) {
      fn();
      return;
    }
    this.step(() => {
      this.inTransaction++;
      try {
        fn();
      } finally {
        this.inTransaction--;
      }
    });
  }

  /** End a step that flushes every operator (SQL FLUSH), not only those touched. */
  flush(): void {
    this.step(() => {
      for (const n of this.nodes) n.dirty = true;
    });
  }

  /** True while a step runs or changes are delivered (pushes are queued then). */
  get busy(): boolean {
    return this.inStep || this.delivering;
  }

  /** Subscribe to a view store node's changes; a snapshot is delivered first, synchronously. */
  subscribe(node: DataflowNode, listener: ChangeListener, opts?: { snapshot?: boolean }): { close(): void } {
    this.assertLive(node);
    const op = node.op;
    if (!isDeliverer(op)) {
      throw new CatalogError('WRONG_OBJECT_KIND', `${node.name ?? 'node ' + node.id} does not deliver changes`);
    }
    const wasDelivering = this.delivering;
    this.delivering = true;
    let sub: { close(): void };
    try {
      sub = op.subscribe(listener, opts);
    } finally {
      this.delivering = wasDelivering;
    }
    if (!this.busy) {
      const failure = this.drainQueue();
      if (failure !== undefined) throw failure;
    }
    return sub;
  }

  /**
   * One-shot evaluation (query()): attach the nodes `build` adds, reading the stores' current
   * contents, collect what reaches the node it returns, detach. Returns rows in emission order
   * (consolidated when the plan produced retractions).
   */
  query(build: (b: SubgraphBuilder) => DataflowNode, width: number): Batch {
    const b = this.builder();
    const out = build(b);
    let sink: CollectorSink | undefined;
    b.add(
      () => {
        sink = new CollectorSink(width);
        return sink;
      },
      [out],
      'query-output',
    );
    const sub = b.commit();
    try {
      return sink!.result();
    } finally {
      sub.remove();
    }
  }

  /** The operator of a node (e.g. to scan a store). */
  operator<T extends Operator = Operator>(node: DataflowNode): T {
    return node.op as T;
  }

  /** Live nodes in topological (insertion) order, for checkpoints. */
  liveNodes(): readonly DataflowNode[] {
    return this.nodes;
  }

  /** Number of live nodes. */
  get size(): number {
    return this.nodes.length;
  }

  // ---- internals used by SubgraphBuilder / Subgraph ----

  createNode(name?: string): DataflowNode {
    return new DataflowNode(this.nextId++, name);
  }

  outputOf(node: DataflowNode): Output {
    return {
      push(batch: Batch): void {
        if (batch.length === 0) return;
        const edges = node.downstream;
        if (edges.length === 1) {
          const e = edges[0];
          e.node.dirty = true;
          e.node.op.push(batch, e.port);
          return;
        }
        // one failing consumer (an expression error in one view) must not starve the others
        let failure: unknown = undefined;
        for (let i = 0; i < edges.length; i++) {
          const e = edges[i];
          e.node.dirty = true;
          try {
            e.node.op.push(batch, e.port);
          } catch (err) {
            failure ??= err;
          }
        }
        if (failure !== undefined) throw failure;
      },
      watermark(wm: number): void {
        if (wm <= node.outWatermark) return;
        node.outWatermark = wm;
        const edges = node.downstream;
        for (let i = 0; i < edges.length; i++) {
          const e = edges[i];
          e.node.dirty = true;
          e.node.op.watermark(wm, e.port);
        }
      },
    };
  }

  attach(pending: DataflowNode[]): Subgraph {
    const fresh = new Set(pending);
    for (const node of pending) {
      for (const input of node.inputs) {
        if (fresh.has(input)) {
          if (pending.indexOf(input) >= pending.indexOf(node)) {
            throw new ExecutionError('INVALID_ARGUMENT', 'subgraph inputs must be added before their consumers');
          }
          continue;
        }
        this.assertLive(input);
        if (!isMaterialized(input.op)) {
          throw new ExecutionError(
            'INVALID_ARGUMENT',
            `a subgraph can only read a table, source or view store, not ${input.name ?? 'node ' + input.id}`,
          );
        }
      }
    }
    // wire: existing → new edges last, after internal ones, so back-fill below is the only
    // way existing contents reach the new nodes
    for (const node of pending) {
      node.inputs.forEach((input, port) => input.downstream.push({ node, port }));
      this.nodes.push(node);
    }
    const wasInStep = this.inStep;
    this.inStep = true;
    try {
      for (const node of pending) {
        node.inputs.forEach((input, port) => {
          if (fresh.has(input)) return;
          const contents = (input.op as Operator & Materialized).contents();
          for (const batch of contents) if (batch.length > 0) node.op.push(batch, port);
          if (input.outWatermark > -Infinity) node.op.watermark(input.outWatermark, port);
        });
      }
      for (const node of pending) {
        node.dirty = false;
        node.op.flush();
      }
      // the back-filled contents are the initial state, not changes to deliver
      for (const node of pending) if (isDeliverer(node.op) && node.op.hasPendingChanges()) node.op.deliver();
    } catch (err) {
      this.removeNodes(pending);
      throw err;
    } finally {
      this.inStep = wasInStep;
    }
    return new Subgraph(this, pending);
  }

  removeNodes(toRemove: readonly DataflowNode[]): void {
    const gone = new Set(toRemove);
    for (const node of toRemove) {
      for (const e of node.downstream) {
        if (!gone.has(e.node) && !e.node.removed) {
          throw new CatalogError(
            'DEPENDENT_OBJECTS',
            `cannot remove ${node.name ?? 'node ' + node.id}: ${e.node.name ?? 'node ' + e.node.id} depends on it`,
          );
        }
      }
    }
    for (const node of toRemove) {
      node.removed = true;
      for (const input of node.inputs) {
        const i = input.downstream.findIndex((e) => e.node === node);
        if (i >= 0) input.downstream.splice(i, 1);
        // a node may read the same input on two ports (self-join)
        for (let j = input.downstream.length - 1; j >= 0; j--) if (input.downstream[j].node === node) input.downstream.splice(j, 1);
      }
    }
    this.nodes = this.nodes.filter((n) => !gone.has(n));
    closeOperators(toRemove);
  }

  /** The database is closing: every operator's close hook frees its state (native stores). */
  close(): void {
    const live = this.nodes;
    this.nodes = [];
    for (const node of live) node.removed = true;
    closeOperators(live);
  }

  /** Remove a root node (DROP TABLE / SOURCE); fails while views still read it. */
  removeRoot(node: DataflowNode): void {
    this.removeNodes([node]);
  }

  private assertLive(node: DataflowNode): void {
    if (node.removed) throw new ExecutionError('INVALID_ARGUMENT', `${node.name ?? 'node ' + node.id} was removed`);
  }

  private step(fn: () => void): void {
    if (this.inStep || this.delivering) {
      this.queue.push(fn);
      return;
    }
    let failure: unknown = undefined;
    try {
      this.runStep(fn);
    } catch (err) {
      failure = err;
    }
    const queued = this.drainQueue();
    if (failure !== undefined) throw failure;
    if (queued !== undefined) throw queued;
  }

  /** Run queued steps (each accepted push runs even if an earlier one failed); first error. */
  private drainQueue(): unknown {
    let failure: unknown = undefined;
    while (this.queue.length > 0 && !this.inStep && !this.delivering) {
      const next = this.queue.shift()!;
      try {
        this.runStep(next);
      } catch (err) {
        failure ??= err;
      }
    }
    return failure;
  }

  /**
   * One step: run `fn`, flush touched nodes in topological order, deliver. If `fn` throws
   * half-way (e.g. an expression error in one view), what was already applied is still flushed
   * and delivered so views stay consistent with their operators' state, then the error is
   * rethrown. (Stores validate a whole batch before applying it, so schema errors apply nothing.)
   */
  private runStep(fn: () => void): void {
    this.inStep = true;
    let failure: unknown = undefined;
    try {
      try {
        fn();
      } catch (err) {
        failure = err;
      }
      const nodes = this.nodes;
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i];
        if (!n.dirty) continue;
        n.dirty = false;
        try {
          n.op.flush();
        } catch (err) {
          failure ??= err;
        }
      }
    } finally {
      this.inStep = false;
    }
    if (this.holds.length === 0) {
      try {
        this.deliverAll();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private deliverAll(): void {
    this.delivering = true;
    let failure: unknown = undefined;
    try {
      const nodes = this.nodes;
      for (let i = 0; i < nodes.length; i++) {
        const op = nodes[i].op;
        if (!isDeliverer(op) || !op.hasPendingChanges()) continue;
        // a throwing listener must not starve the other views' subscribers
        try {
          op.deliver();
        } catch (err) {
          failure ??= err;
        }
      }
    } finally {
      this.delivering = false;
    }
    if (failure !== undefined) throw failure;
  }
}
