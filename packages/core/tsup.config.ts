import { libraryBuild } from "../../tsup.library.js";

export default libraryBuild({ index: "src/index.ts", "sim/index": "src/sim/index.ts" });
