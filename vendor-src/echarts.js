// The charts the cockpit draws, and nothing else: ECharts' bar and line series (a stacked bar is a bar
// with `stack`), the grid, tooltip and legend, on the canvas renderer. esbuild bundles this into
// pwa/vendor/echarts.js (the Makefile), which pwa/js/charts.js imports; the full library is about twice as large.
import { init, use } from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, LineChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export { init };
