// The HTML report's page parts (reports/html_report_assets.cpp): inline CSS, the body's skeleton, and the
// script that draws the embedded JSON (reports/html_report.h) on a canvas. Written for raftsim; nothing
// third-party, nothing loaded from the network.
#pragma once

namespace reports {

extern const char* const kReportCss;
extern const char* const kReportBody;
extern const char* const kReportScript;

}  // namespace reports
