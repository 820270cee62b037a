// A small C++17 bank service: accounts with a std::mutex each, a Bank that moves money
// between them and an auditor that totals the books. The default run has the two bugs a
// reviewer would miss:
//   - transfer() locks the source account, then the destination: transfer(a, b) on one
//     thread and transfer(b, a) on another is an AB-BA between two locks of one class
//     (every Account::mu is named "Account::mu" with ulockdep_set_class);
//   - audit() takes the books lock, then each account; post_fee() takes an account, then
//     the books: an inversion between Bank::books_mu_ and Account::mu.
// The threads run one after the other, so the program itself never hangs: ulockdep reports
// both orders from one run. --fixed uses std::scoped_lock for the pair (deadlock-free
// acquisition) and takes the books lock first everywhere.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <ulockdep/ulockdep.h>

struct Account {
    std::mutex mu;
    long balance;
    explicit Account(long b) : balance(b)
    {
        // One class for every account lock, whatever code first takes it.
        ulockdep_set_class(mu.native_handle(), "Account::mu");
    }
};

class Bank {
public:
    explicit Bank(bool fixed) : fixed_(fixed) {}

    void transfer(Account &from, Account &to, long amount)
    {
        if (fixed_) {
            std::scoped_lock both(from.mu, to.mu);
            move(from, to, amount);
            return;
        }
        std::lock_guard<std::mutex> a(from.mu);
        std::lock_guard<std::mutex> b(to.mu);
        move(from, to, amount);
    }

    void post_fee(Account &acct, long fee)
    {
        if (fixed_) {
            std::lock_guard<std::mutex> books(books_mu_);
            std::lock_guard<std::mutex> a(acct.mu);
            charge(acct, fee);
            return;
        }
        std::lock_guard<std::mutex> a(acct.mu);
        std::lock_guard<std::mutex> books(books_mu_);
        charge(acct, fee);
    }

    long audit(std::vector<Account *> &accounts)
    {
        std::lock_guard<std::mutex> books(books_mu_);
        long total = fees_;
        for (Account *a : accounts) {
            std::lock_guard<std::mutex> g(a->mu);
            total += a->balance;
        }
        return total;
    }

private:
    static void move(Account &from, Account &to, long amount)
    {
        from.balance -= amount;
        to.balance += amount;
    }
    void charge(Account &acct, long fee)
    {
        acct.balance -= fee;
        fees_ += fee;
    }

    bool fixed_;
    std::mutex books_mu_;
    long fees_ = 0;
};

int main(int argc, char **argv)
{
    bool fixed = argc > 1 && !std::strcmp(argv[1], "--fixed");
    Bank bank(fixed);
    Account alice(1000), bob(1000);
    std::vector<Account *> all{ &alice, &bob };

    auto run = [](auto fn) { std::thread(fn).join(); };
    run([&] { for (int i = 0; i < 100; i++) bank.transfer(alice, bob, 1); });
    run([&] { for (int i = 0; i < 100; i++) bank.transfer(bob, alice, 1); });
    run([&] { bank.post_fee(alice, 5); });
    long total = bank.audit(all);
    std::printf("total %ld (%s locking)\n", total, fixed ? "fixed" : "original");
    return total == 2000 ? 0 : 1;
}
