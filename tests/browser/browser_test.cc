// The web app in a real browser against the whole suite: every service binary and the gateway
// serving the built web app. The harness makes what an operator makes before any show (the
// accounts), then runs the Playwright specs of services/gateway/web/e2e in Debian's Chromium
// with the gateway's URL and those accounts in environment variables (e2e/env.ts): an admin
// prepares the product type and the host role in the admin screen, the host creates the show in
// the console and a real ffmpeg encoder publishes to it, viewers watch, chat and buy; a viewer
// who forgot their password gets the reset e-mail from a real SMTP relay.

#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "suite.h"
#include "support/smtp_server.h"

namespace shopcast::suite {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command`; its exit code, with stdout and stderr in `output`.
int Run(const std::string& command, std::string& output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_CASE("a viewer and a host run a show in the browser", "[e2e]") {
  const std::string web = SHOPCAST_WEB_DIR;
  REQUIRE(std::filesystem::exists(web + "/dist/index.html"));  // tools/dev build makes it
  REQUIRE(std::filesystem::exists(web + "/node_modules/.bin/playwright"));

  // A real SMTP relay: realtime-push mails password resets through it, and the spec reads them
  // from its folder.
  realtime_push::testing::SmtpTestServer smtp;
  SuiteOptions options;
  options.web_root = web + "/dist";
  options.smtp_url = smtp.url();
  // Every spec signs in from one address (127.0.0.1), dozens of times within minutes, and the
  // password-reset spec uses the login allowance too: looser buckets than a real address gets.
  // The limits themselves are tested in gateway_api_integration_test.
  options.extra_env.push_back("SHOPCAST_GATEWAY_RATE_LIMITS=login=60/1,password_reset=20/1");
  Suite suite(options);
  // What an operator makes before any show. The rest — the product type and the host role
  // (through the admin screen), the show (in the host console) and its encoder (ffmpeg,
  // started by the spec with the key the console shows) — the specs do as people would.
  const Account admin = suite.CreateAccount("e2e_admin", auth::Role::kAdmin);
  const Account host = suite.CreateAccount("e2e_host", auth::Role::kViewer);
  const Account viewer = suite.CreateAccount("e2e_viewer", auth::Role::kViewer);
  const Account viewer2 = suite.CreateAccount("e2e_viewer2", auth::Role::kViewer);
  const std::string rtmp_server =
      absl::StrCat("rtmp://127.0.0.1:", suite.endpoints("video-ingest").rtmp, "/live");

  const std::string screenshots = SHOPCAST_SCREENSHOT_DIR;
  std::filesystem::create_directories(screenshots);
  const std::string command =
      absl::StrCat("cd ", ShellQuote(web), " && env",                                          //
                   " SHOPCAST_GATEWAY_URL=", ShellQuote(suite.gateway_url()),                  //
                   " SHOPCAST_E2E_RTMP_SERVER=", ShellQuote(rtmp_server),                      //
                   " SHOPCAST_E2E_MAIL_DIR=", ShellQuote(smtp.messages_dir()),                 //
                   " SHOPCAST_E2E_ADMIN_LOGIN=", ShellQuote(admin.username),                   //
                   " SHOPCAST_E2E_ADMIN_PASSWORD=", ShellQuote(admin.password),                //
                   " SHOPCAST_E2E_HOST_LOGIN=", ShellQuote(host.username),                     //
                   " SHOPCAST_E2E_HOST_PASSWORD=", ShellQuote(host.password),                  //
                   " SHOPCAST_E2E_VIEWER_LOGIN=", ShellQuote(viewer.username),                 //
                   " SHOPCAST_E2E_VIEWER_PASSWORD=", ShellQuote(viewer.password),              //
                   " SHOPCAST_E2E_VIEWER2_LOGIN=", ShellQuote(viewer2.username),               //
                   " SHOPCAST_E2E_VIEWER2_PASSWORD=", ShellQuote(viewer2.password),            //
                   " SHOPCAST_E2E_PRODUCT_TYPE='E2E Sneakers'",                                //
                   " SHOPCAST_E2E_SCREENSHOT_DIR=", ShellQuote(screenshots),                   //
                   " SHOPCAST_E2E_OUTPUT_DIR=", ShellQuote(suite.File("playwright-results")),  //
                   " node_modules/.bin/playwright test");
  std::string output;
  const int rc = Run(command, output);
  // Playwright's list of specs, passed or not, in the test's log (ctest -V; CI keeps it).
  std::fputs(output.c_str(), stdout);
  if (rc != 0) {
    // The failed specs' traces, screenshots and page snapshots outlive the suite's folder.
    const std::filesystem::path kept =
        std::filesystem::path(screenshots).parent_path() / "browser-failures";
    std::error_code ignored;
    std::filesystem::remove_all(kept, ignored);
    std::filesystem::copy(suite.File("playwright-results"), kept,
                          std::filesystem::copy_options::recursive, ignored);
    std::printf("Playwright's traces of the failed specs: %s\n", kept.c_str());
  }
  INFO(output);
  INFO("gateway log:\n" << suite.LogOf("gateway"));
  REQUIRE(rc == 0);
  CHECK(std::filesystem::exists(screenshots + "/web-viewer.png"));
  CHECK(std::filesystem::exists(screenshots + "/web-host-console.png"));
}

}  // namespace
}  // namespace shopcast::suite
