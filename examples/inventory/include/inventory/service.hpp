#pragma once
// The inventory service: takes orders and stores each in the database before acknowledging it.
#include <rt/rt.hpp>

namespace inventory {

/// Stores `orders` orders one after the other, each retried on transient database errors.
/// Each order is protected work in faultline's ledger ("order-N") from its acceptance until it
/// is stored. Returns the exit status: 0 when every order is stored.
rt::Task<int> serve(int orders);

}  // namespace inventory
