# frozen_string_literal: true

class UsersController < ApplicationController
  def show
    render json: { token: User.find(params[:id]).generate_token_for(:activation) }
  end
end
