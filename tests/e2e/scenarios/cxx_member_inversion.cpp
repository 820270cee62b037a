// C++17, built at -O0 and at -O2 (e2e.cxx_member_inversion.O0/.O2): std::mutex members of two
// classes taken in opposite orders, one order on a std::thread through a lambda and a few
// calls, the other through a lambda in main. Locks are named after the user's function that
// first took them (not std::mutex::lock or gthr-default.h), names are demangled, and "at:"
// points at the user's lines.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular Ledger::post@${FILE}:${LINE:post_ledger} Ledger::post@${FILE}:${LINE:post_book}
// EXPECT-COUNT: circular=1
// EXPECT-CYCLE-LEN: 2
// EXPECT-INSTANCE-LEVEL: false
// EXPECT-LINES: e2e_cxx_member_/* is trying to acquire lock:
// EXPECT-LINES: * (Ledger::post@${FILE}:${LINE:post_ledger}){+.+.}-{3:3}, at: Ledger::audit* ${FILE}:${LINE:audit_ledger} [*]
//
// EXPECT-LINES: but task is already holding lock:
// EXPECT-LINES: * (Ledger::post@${FILE}:${LINE:post_book}){+.+.}-{3:3}, at: Ledger::audit* ${FILE}:${LINE:audit_book} [*]
#include <mutex>
#include <thread>

struct OrderBook {
    std::mutex mu;
    long open = 0;
};

class Ledger {
public:
    void post(OrderBook &book, long amount)
    {
        std::lock_guard<std::mutex> g(mu_);      /* LINE:post_ledger */
        std::lock_guard<std::mutex> h(book.mu);  /* LINE:post_book */
        total_ += amount;
        book.open -= amount;
    }
    long audit(OrderBook &book)
    {
        std::lock_guard<std::mutex> h(book.mu);  /* LINE:audit_book */
        std::lock_guard<std::mutex> g(mu_);      /* LINE:audit_ledger */
        return total_ + book.open;
    }

private:
    std::mutex mu_;
    long total_ = 0;
};

static void settle(Ledger &l, OrderBook &b, int n)
{
    for (int i = 0; i < n; i++)
        l.post(b, i);
}

int main()
{
    Ledger ledger;
    OrderBook book;
    std::thread poster([&] { settle(ledger, book, 3); });
    poster.join();
    auto check = [&](Ledger &l) { return l.audit(book); };
    return check(ledger) == 0 ? 0 : 0;
}
