#pragma once
/// Everything of rt except Asio-facing headers (rt/tcp.hpp, rt/asio_await.hpp, rt/thread.hpp).
#include <rt/errors.hpp>
#include <rt/gather.hpp>
#include <rt/handle.hpp>
#include <rt/queue.hpp>
#include <rt/runtime.hpp>
#include <rt/sleep.hpp>
#include <rt/task.hpp>
#include <rt/task_group.hpp>
