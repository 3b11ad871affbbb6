// The Asio bridge, as a downstream project would use it: a batch on an
// asio_executor, and an HTTP request to a server in the same process.
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <volley/asio/asio.hpp>
#include <volley/volley.hpp>

namespace {

// Answers one request on `acceptor` with a fixed response.
void answer_once(boost::asio::ip::tcp::acceptor& acceptor) {
  boost::asio::ip::tcp::socket socket{acceptor.get_executor()};
  acceptor.accept(socket);
  char buffer[4096];
  (void)socket.read_some(boost::asio::buffer(buffer));
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  boost::asio::write(socket, boost::asio::buffer(response));
}

volley::http_request get(std::string url) {
  volley::http_request request;
  request.url = std::move(url);
  return request;
}

}  // namespace

int main() {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner{[&io] { io.run(); }};

  volley::asio_executor executor{io};
  volley::tool_registry tools;
  tools.add(volley::make_tool("echo", volley::effect::read_only, [](const std::string& s, volley::call_context&) { return s; }));
  std::vector<volley::tool_call> calls{{"a", "echo", "hello"}, {"b", "echo", "world"}};
  auto results = volley::sync_wait(volley::parallel_batch(executor, tools, calls));

  boost::asio::io_context server_io;
  boost::asio::ip::tcp::acceptor acceptor{server_io, {boost::asio::ip::address_v4::loopback(), 0}};
  std::thread server{[&acceptor] { answer_once(acceptor); }};
  volley::http_client client{io.get_executor()};
  auto response = volley::sync_wait(
      client.request(get(std::string("http://127.0.0.1:").append(std::to_string(acceptor.local_endpoint().port())).append("/"))));
  server.join();

  work.reset();
  runner.join();
  std::printf("%s %s, http %u %s\n", results[0].result->c_str(), results[1].result->c_str(), response.status,
              response.body.c_str());
  return *results[1].result == "world" && response.status == 200 && response.body == "ok" ? 0 : 1;
}
