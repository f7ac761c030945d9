"""nbconvert config: execute like `--execute`, keeping late outputs.

nbclient stops collecting a cell's outputs at the kernel's "idle" status, but
the Deno kernel publishes the cell's last output just after "idle" in about
5% of cells (measured: within 1 ms), so that output was lost: a console.log
line, a chart or the last expression's value. This executor keeps reading for
a short grace period after "idle" and keeps what belongs to the cell.

Used by tools/jupyter.ts (`jupyter nbconvert --config=tools/nbconvert_config.py`).
"""
from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbconvert.preprocessors import ExecutePreprocessor

GRACE_SECONDS = 0.05


class LateOutputsExecutePreprocessor(ExecutePreprocessor):
    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await self.kc.iopub_channel.get_msg(timeout=GRACE_SECONDS)
            except Empty:
                return
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    pass


c = get_config()  # noqa: F821
c.NotebookExporter.preprocessors = [LateOutputsExecutePreprocessor]
