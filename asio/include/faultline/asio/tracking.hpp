#pragma once
/// faultline's custom handler tracking for Boost.Asio (BOOST_ASIO_CUSTOM_HANDLER_TRACKING). Asio
/// includes this header itself, before its own declarations, when a target is built with
/// `faultline_instrument_asio(target)`; a program never includes it. It only declares: the
/// bodies that need Asio's types live in <faultline/asio/instrument.hpp>, force-included first.
///
/// NOTE: why handler tracking and not another of Asio's seams. It is the only one that needs no
/// change to the program: a completion-token adapter or an executor wrapper would have to be
/// written into every co_spawn and every co_await. Its macros see, for every operation, the
/// co_await that starts it (BOOST_ASIO_HANDLER_LOCATION in use_awaitable's initiation, with the
/// coroutine's frame in scope), its creation, its completion or destruction, and the arguments
/// its handler is invoked with (by reference, so a fault can replace the error code). Faults
/// that must end a pending operation early go through the operation's own per-operation
/// cancellation slot (Asio >= 1.81), the path a real cancellation takes. Each of these claims
/// is checked by tests/asio/claims_test.cpp.
#include <cstddef>
#include <cstdint>

namespace faultline::asio_detail {

/// A base of every Asio operation in an instrumented build (BOOST_ASIO_INHERIT_TRACKED_HANDLER):
/// which coroutine started it and at which await point. Plain data, set at creation.
struct tracked_op {
  std::uint64_t faultline_ordinal = 0;   ///< the await point it started at (0: not an await point)
  std::uint32_t faultline_coroutine = 0; ///< the coroutine it runs for (0: none)
};

/// Where a co_await is, as use_awaitable records it.
struct source_site {
  const char* file;
  int line;
  const char* function;
  source_site(const char* f, int l, const char* fn) noexcept : file(f), line(l), function(fn) {}
};

/// A handler-tracking location: a co_await's initiation (with the coroutine's frame) or a
/// composed operation's step (no frame). Defined in instrument.hpp.
class location_scope {
 public:
  template <typename Frame>
  location_scope(Frame* frame, source_site site);
  location_scope(std::nullptr_t, source_site) noexcept : frame_scope_(false) {}
  ~location_scope();
  location_scope(const location_scope&) = delete;
  location_scope& operator=(const location_scope&) = delete;

 private:
  bool frame_scope_;
  void (*pop_executor_)() noexcept = nullptr;  ///< forgets the executor this scope kept
};

template <typename Context, typename Op>
void on_creation(Context& context, Op& op, const char* object_type, const void* object,
                 std::uintmax_t native_handle, const char* op_name) noexcept;
void on_completion(const tracked_op& op) noexcept;
template <typename... Args>
void on_invocation_begin(Args&... args) noexcept;
void on_invocation_end() noexcept;

}  // namespace faultline::asio_detail

namespace boost::asio::detail {
// NOTE: BOOST_ASIO_HANDLER_LOCATION names `frame`: in use_awaitable's initiation that is the
// awaiting coroutine's frame; in Asio's composed operations it finds this null instead.
inline constexpr std::nullptr_t frame = nullptr;
}  // namespace boost::asio::detail

#define BOOST_ASIO_INHERIT_TRACKED_HANDLER : public ::faultline::asio_detail::tracked_op
#define BOOST_ASIO_ALSO_INHERIT_TRACKED_HANDLER , public ::faultline::asio_detail::tracked_op
#define BOOST_ASIO_HANDLER_TRACKING_INIT (void)0
#define BOOST_ASIO_HANDLER_LOCATION(args) \
  ::faultline::asio_detail::location_scope faultline_location_scope_(frame, ::faultline::asio_detail::source_site args)
#define BOOST_ASIO_HANDLER_CREATION(args) ::faultline::asio_detail::on_creation args
#define BOOST_ASIO_HANDLER_COMPLETION(args) ::faultline::asio_detail::on_completion args
#define BOOST_ASIO_HANDLER_INVOCATION_BEGIN(args) ::faultline::asio_detail::on_invocation_begin args
#define BOOST_ASIO_HANDLER_INVOCATION_END ::faultline::asio_detail::on_invocation_end()
#define BOOST_ASIO_HANDLER_OPERATION(args) (void)0
#define BOOST_ASIO_HANDLER_REACTOR_REGISTRATION(args) (void)0
#define BOOST_ASIO_HANDLER_REACTOR_DEREGISTRATION(args) (void)0
#define BOOST_ASIO_HANDLER_REACTOR_READ_EVENT 1
#define BOOST_ASIO_HANDLER_REACTOR_WRITE_EVENT 2
#define BOOST_ASIO_HANDLER_REACTOR_ERROR_EVENT 4
#define BOOST_ASIO_HANDLER_REACTOR_EVENTS(args) (void)0
#define BOOST_ASIO_HANDLER_REACTOR_OPERATION(args) (void)0
