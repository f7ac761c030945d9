/**
 * The parts of Jupyter's notebook format (nbformat 4) that the tools read and
 * write, declared once for the notebook runner, the book builder, the tests
 * and the benchmark.
 * @module
 */

/** One output of a code cell, as nbformat 4 stores it. */
export interface Output {
  /** "stream", "display_data", "execute_result" or "error". */
  output_type: string;
  /** For streams: "stdout" or "stderr". */
  name?: string;
  /** For streams: the text, whole or split into lines. */
  text?: string | string[];
  /** For rich outputs: one entry per MIME type. */
  data?: Record<string, unknown>;
  /** For errors: the error's class, e.g. "RangeError". */
  ename?: string;
  /** For errors: the error's message. */
  evalue?: string;
  /** For errors: the stack, one entry per line. */
  traceback?: string[];
  /** Anything else nbformat stores (metadata, execution_count). */
  [key: string]: unknown;
}

/** One cell, as nbformat 4 stores it. */
export interface Cell {
  /** "code", "markdown" or "raw". */
  cell_type: string;
  /** The cell's metadata; `tags` holds e.g. "parameters". */
  metadata: { tags?: string[]; [key: string]: unknown };
  /** The source, whole or split into lines. */
  source: string | string[];
  /** Code cells: the kernel's counter, null when never run. */
  execution_count?: number | null;
  /** Code cells: what running it produced. */
  outputs?: Output[];
  /** Markdown cells: embedded files by name, each a MIME bundle. */
  attachments?: Record<string, Record<string, string | string[]>>;
  /** Anything else nbformat stores (id). */
  [key: string]: unknown;
}

/** A notebook, as nbformat 4 stores it. */
export interface Notebook {
  /** The cells in order. */
  cells: Cell[];
  /** Kernelspec, language info and the like. */
  metadata: {
    kernelspec?: { name?: string; language?: string };
    language_info?: { name?: string };
    [key: string]: unknown;
  };
  /** Always 4. */
  nbformat: number;
  /** The minor version. */
  nbformat_minor: number;
}
