// Source of src/techcurve/serve/static/echarts.min.js: ECharts 6.1.0 (Apache-2.0) with only
// the charts and components the dashboard uses (the full build is 1.1 MB, this one 0.6 MB).
// Rebuild (needs Node.js and the npm registry; users never do this):
//   mkdir /tmp/ech && cp scripts/echarts-bundle.js /tmp/ech/entry.js && cd /tmp/ech &&
//   npm install echarts@6.1.0 esbuild@0.25 && npx esbuild entry.js --bundle --minify \
//     --format=iife --legal-comments=none --outfile=echarts.min.js
// Add a chart type or component here when a page starts using one.
import * as echarts from "echarts/core";
import { LineChart, ScatterChart, LinesChart } from "echarts/charts";
import { GridComponent, TooltipComponent, LegendComponent, MarkLineComponent } from "echarts/components";
import { LabelLayout } from "echarts/features";
import { CanvasRenderer } from "echarts/renderers";
echarts.use([LineChart, ScatterChart, LinesChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, LabelLayout, CanvasRenderer]);
window.echarts = echarts;
