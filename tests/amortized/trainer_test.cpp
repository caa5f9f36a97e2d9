// Training driver: a resumed run continues exactly as an uninterrupted one, the warm-up
// schedule, training raises the bound, model files round-trip, bad checkpoints are named.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/amortized/trainer.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("elbo_amortized_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

Vae make_vae(FlowKind flow = FlowKind::None) {
  torch::manual_seed(5);
  return Vae(VaeOptions(64, 4).hidden({32}).flow(flow).flow_length(flow == FlowKind::None ? 0 : 2)
                 .image_rows(8).image_cols(8));
}

TrainOptions options(int64_t epochs) {
  return TrainOptions().epochs(epochs).batch_size(50).learning_rate(3e-3).seed(9).dynamic_binarization(true)
      .warmup_epochs(2);
}

TEST(Trainer, ResumedRunMatchesUninterruptedRun) {
  const auto data = synthetic_shapes(200, 8, 3);
  for (auto flow : {FlowKind::None, FlowKind::Iaf}) {
    VaeTrainer straight(make_vae(flow), options(3));
    straight.train(data.x);

    const std::string ckpt = temp_file("resume.pt");
    {
      VaeTrainer first(make_vae(flow), options(1).checkpoint(ckpt));
      first.train(data.x);
      for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(ckpt).parent_path()))
        EXPECT_FALSE(e.path().string().rfind(ckpt + ".", 0) == 0 && e.path().extension() == ".tmp") << e.path();
    }
    Vae fresh = make_vae(flow);
    {
      torch::NoGradGuard g;  // different weights before loading: the checkpoint must restore them
      for (auto& p : fresh->parameters()) p.add_(1.0);
    }
    VaeTrainer resumed(fresh, options(3));
    resumed.load_state(ckpt);
    EXPECT_EQ(resumed.epoch(), 1);
    resumed.train(data.x);
    ASSERT_EQ(resumed.history().size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(resumed.history()[i].bound, straight.history()[i].bound) << i;
    }
    auto a = straight.vae()->parameters(), b = resumed.vae()->parameters();
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << i;
    std::filesystem::remove(ckpt);
  }
}

TEST(Trainer, WarmupScheduleAndBoundImproves) {
  const auto data = synthetic_shapes(400, 8, 4);
  VaeTrainer t(make_vae(), options(6));
  EXPECT_EQ(t.beta_at(0, 8), 0.0);
  EXPECT_EQ(t.beta_at(4, 8), 0.25);
  EXPECT_EQ(t.beta_at(16, 8), 1.0);
  EXPECT_EQ(t.beta_at(100, 8), 1.0);
  t.train(data.x);
  const auto& h = t.history();
  EXPECT_EQ(h.front().beta, 7.0 / 16.0);  // last step of epoch 1: step 7 of 2 × 8
  EXPECT_EQ(h.back().beta, 1.0);
  EXPECT_GT(h.back().bound, h.front().bound + 5.0);
  EXPECT_GT(active_units(t.vae(), data.x).active, 0);
}

TEST(Trainer, ModelFileRoundTrip) {
  Vae vae = make_vae(FlowKind::Planar);
  const std::string path = temp_file("model.pt");
  save_vae(vae, path);
  Vae back = load_vae(path);
  EXPECT_EQ(vae_options_to_json(back->options()), vae_options_to_json(vae->options()));
  const auto x = synthetic_shapes(10, 8, 1).x;
  auto g1 = make_generator(2), g2 = make_generator(2);
  EXPECT_TRUE(torch::equal(vae->log_weights(x, 3, g1).log_w(), back->log_weights(x, 3, g2).log_w()));
  std::filesystem::remove(path);
}

TEST(Trainer, BadCheckpoints) {
  const std::string path = temp_file("bad.pt");
  { std::ofstream(path) << "not an archive"; }
  VaeTrainer t(make_vae(), options(2));
  EXPECT_THROW(t.load_state(path), InputError);
  EXPECT_THROW(t.load_state(temp_file("missing.pt")), InputError);
  // A checkpoint of another architecture.
  VaeTrainer other(make_vae(FlowKind::Planar), options(1).checkpoint(path));
  other.train(synthetic_shapes(100, 8, 1).x);
  try {
    t.load_state(path);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another model"), std::string::npos) << e.what();
  }
  // A model file is not a training checkpoint and vice versa.
  EXPECT_THROW(load_vae(path), InputError);
  std::filesystem::remove(path);
  EXPECT_THROW(VaeTrainer(make_vae(), options(0)), ConfigError);
}

}  // namespace
}  // namespace elbo::amortized
