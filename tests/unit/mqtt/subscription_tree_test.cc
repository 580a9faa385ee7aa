#include "mqtt/subscription_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/topic.h"

namespace fundament::mqtt {
namespace {

using Matches = std::vector<std::pair<SubscriberId, QoS>>;

Matches MatchSorted(const SubscriptionTree& tree, std::string_view topic) {
  Matches matches;
  tree.Match(topic, &matches);
  std::sort(matches.begin(), matches.end());
  return matches;
}

TEST(SubscriptionTree, MatchesExactAndWildcardFilters) {
  SubscriptionTree tree;
  EXPECT_TRUE(tree.Insert("a/b/c", 1, QoS::kAtMostOnce));
  EXPECT_TRUE(tree.Insert("a/+/c", 2, QoS::kAtLeastOnce));
  EXPECT_TRUE(tree.Insert("a/#", 3, QoS::kAtMostOnce));
  EXPECT_TRUE(tree.Insert("#", 4, QoS::kAtMostOnce));
  EXPECT_TRUE(tree.Insert("+/+", 5, QoS::kAtMostOnce));
  EXPECT_EQ(tree.size(), 5u);
  EXPECT_EQ(
      MatchSorted(tree, "a/b/c"),
      (Matches{{1, QoS::kAtMostOnce}, {2, QoS::kAtLeastOnce}, {3, QoS::kAtMostOnce}, {4, QoS::kAtMostOnce}}));
  // "a/#" matches its parent level "a" (§4.7.1.2).
  EXPECT_EQ(MatchSorted(tree, "a"), (Matches{{3, QoS::kAtMostOnce}, {4, QoS::kAtMostOnce}}));
  EXPECT_EQ(MatchSorted(tree, "x/y"), (Matches{{4, QoS::kAtMostOnce}, {5, QoS::kAtMostOnce}}));
}

TEST(SubscriptionTree, LeadingWildcardsDoNotMatchDollarTopics) {
  SubscriptionTree tree;
  tree.Insert("#", 1, QoS::kAtMostOnce);
  tree.Insert("+/info", 2, QoS::kAtMostOnce);
  tree.Insert("$SYS/#", 3, QoS::kAtMostOnce);
  tree.Insert("$SYS/+", 4, QoS::kAtMostOnce);
  EXPECT_EQ(MatchSorted(tree, "$SYS/info"), (Matches{{3, QoS::kAtMostOnce}, {4, QoS::kAtMostOnce}}));
  EXPECT_FALSE(tree.HasMatch("$other/info"));
  EXPECT_TRUE(tree.HasMatch("x/info"));
}

TEST(SubscriptionTree, InsertingAgainChangesQoS) {
  SubscriptionTree tree;
  EXPECT_TRUE(tree.Insert("t", 1, QoS::kAtMostOnce));
  EXPECT_FALSE(tree.Insert("t", 1, QoS::kAtLeastOnce));
  EXPECT_EQ(tree.size(), 1u);
  EXPECT_EQ(MatchSorted(tree, "t"), (Matches{{1, QoS::kAtLeastOnce}}));
}

TEST(SubscriptionTree, EraseRemovesOnlyThatSubscription) {
  SubscriptionTree tree;
  tree.Insert("a/b", 1, QoS::kAtMostOnce);
  tree.Insert("a/b", 2, QoS::kAtMostOnce);
  tree.Insert("a/#", 1, QoS::kAtMostOnce);
  EXPECT_TRUE(tree.Erase("a/b", 1));
  EXPECT_FALSE(tree.Erase("a/b", 1));
  EXPECT_FALSE(tree.Erase("a/c", 1));
  EXPECT_FALSE(tree.Erase("a", 1));
  EXPECT_EQ(MatchSorted(tree, "a/b"), (Matches{{1, QoS::kAtMostOnce}, {2, QoS::kAtMostOnce}}));
  EXPECT_TRUE(tree.Erase("a/#", 1));
  EXPECT_TRUE(tree.Erase("a/b", 2));
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_FALSE(tree.HasMatch("a/b"));
}

TEST(SubscriptionTree, EmptyLevelsAreLevels) {
  SubscriptionTree tree;
  tree.Insert("/+", 1, QoS::kAtMostOnce);
  tree.Insert("a//b", 2, QoS::kAtMostOnce);
  EXPECT_EQ(MatchSorted(tree, "/x"), (Matches{{1, QoS::kAtMostOnce}}));
  EXPECT_EQ(MatchSorted(tree, "/"), (Matches{{1, QoS::kAtMostOnce}}));
  EXPECT_EQ(MatchSorted(tree, "a//b"), (Matches{{2, QoS::kAtMostOnce}}));
  EXPECT_FALSE(tree.HasMatch("a/b"));
}

// The tree must agree with TopicMatches, the reference, on random filters
// and topics over a small alphabet (so that matches are frequent).
TEST(SubscriptionTree, AgreesWithTopicMatches) {
  std::mt19937 random(20241029);
  const std::vector<std::string> levels = {"a", "b", "", "$s"};
  auto topic = [&] {
    std::string text;
    int count = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < count; ++i) {
      if (i > 0) text += '/';
      text += levels[random() % levels.size()];
    }
    return text.empty() ? std::string("a") : text;  // a topic name has at least one character
  };
  auto filter = [&] {
    std::string text;
    int count = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < count; ++i) {
      if (i > 0) text += '/';
      int pick = static_cast<int>(random() % 6);
      if (pick == 4) {
        text += '+';
      } else if (pick == 5 && i == count - 1) {
        text += '#';
      } else {
        text += levels[random() % levels.size()];
      }
    }
    return text.empty() ? std::string("b") : text;
  };
  SubscriptionTree tree;
  std::vector<std::string> filters;
  for (int i = 0; i < 60; ++i) {
    std::string f = filter();
    ASSERT_TRUE(ValidateTopicFilter(f).ok()) << f;
    filters.push_back(f);
    tree.Insert(f, static_cast<SubscriberId>(i), QoS::kAtMostOnce);
  }
  for (int i = 0; i < 2000; ++i) {
    std::string t = topic();
    std::set<SubscriberId> expected;
    for (size_t j = 0; j < filters.size(); ++j)
      if (TopicMatches(filters[j], t)) expected.insert(static_cast<SubscriberId>(j));
    Matches matches;
    tree.Match(t, &matches);
    std::set<SubscriberId> actual;
    for (const auto& [id, qos] : matches) actual.insert(id);
    ASSERT_EQ(actual, expected) << "topic " << t;
    ASSERT_EQ(matches.size(), expected.size()) << "topic " << t;
    ASSERT_EQ(tree.HasMatch(t), !expected.empty()) << "topic " << t;
  }
}

}  // namespace
}  // namespace fundament::mqtt
