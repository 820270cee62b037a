// C++17 at -O0 and -O2: patterns that cannot deadlock, each of which must stay silent:
// std::scoped_lock of two mutexes in opposite orders (std::lock backs off with try_lock),
// a std::recursive_mutex relocked by its owner, std::shared_mutex readers nested in
// opposite orders by two threads, a std::timed_mutex, a std::condition_variable hand-off,
// and a namespaced global std::mutex.
// EXPECT-NONE
// EXPECT-STDOUT: sum 4950 handed 100
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace svc {
std::mutex registry_mu;
int registry_size;
}

static std::mutex a, b;
static std::recursive_mutex rec;
static std::shared_mutex table_a, table_b;
static std::timed_mutex tm;
static int sum;

static void add_twice(int v)
{
    std::lock_guard<std::recursive_mutex> g(rec);
    if (v > 0) {
        std::lock_guard<std::recursive_mutex> again(rec);
        sum += v;
    }
}

int main()
{
    std::thread t1([] { for (int i = 0; i < 50; i++) { std::scoped_lock lk(a, b); add_twice(i); } });
    std::thread t2([] { for (int i = 50; i < 100; i++) { std::scoped_lock lk(b, a); add_twice(i); } });
    t1.join();
    t2.join();

    std::thread r1([] { for (int i = 0; i < 100; i++) { std::shared_lock x(table_a); std::shared_lock y(table_b); } });
    std::thread r2([] { for (int i = 0; i < 100; i++) { std::shared_lock y(table_b); std::shared_lock x(table_a); } });
    r1.join();
    r2.join();
    { std::unique_lock w(table_a); }

    if (tm.try_lock_for(std::chrono::milliseconds(10)))
        tm.unlock();

    std::mutex m;
    std::condition_variable cv;
    int handed = 0;
    bool ready = false;
    std::thread producer([&] {
        for (int i = 0; i < 100; i++) {
            std::unique_lock lk(m);
            cv.wait(lk, [&] { return !ready; });
            ready = true;
            cv.notify_one();
        }
    });
    for (int i = 0; i < 100; i++) {
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return ready; });
        ready = false;
        handed++;
        cv.notify_one();
    }
    producer.join();
    {
        std::lock_guard<std::mutex> g(svc::registry_mu);
        svc::registry_size = handed;
    }
    std::printf("sum %d handed %d\n", sum, handed);
    return 0;
}
